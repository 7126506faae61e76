// Progressive enhancement for ipywidgets on ORB pages (no server round trip):
// - answer choices become real radio groups named after their question, so a
//   screen reader announces the statement and arrow keys move within the group;
// - the browser tab shows the page heading rather than a notebook file name.
(function () {
  var pending = false;
  function enhance() {
    pending = false;
    document.querySelectorAll(".orb-item").forEach(function (item) {
      var q = item.querySelector(".orb-qtext");
      var box = item.querySelector(".widget-radio-box");
      if (!q || !box || !q.id) { return; }
      if (box.getAttribute("role") !== "radiogroup") {
        box.setAttribute("role", "radiogroup");
        box.setAttribute("aria-labelledby", q.id);
      }
      box.querySelectorAll("input[type=radio]").forEach(function (r) {
        if (r.name !== q.id) { r.name = q.id; }
      });
    });
    // ipywidgets' Play control has icon-only buttons: give each a name.
    var names = { "fa-play": "Start timer", "fa-pause": "Pause timer", "fa-stop": "Stop timer",
                  "fa-retweet": "Repeat", "fa-repeat": "Repeat" };
    document.querySelectorAll(".widget-play button, .jupyter-widget-play button, button.jupyter-button").forEach(function (b) {
      if (b.getAttribute("aria-label") || b.textContent.trim()) { return; }
      var icon = b.querySelector("i");
      var cls = icon ? Array.from(icon.classList).find(function (c) { return names[c]; }) : null;
      var label = cls ? names[cls] : (b.getAttribute("title") || "");
      if (label) { b.setAttribute("aria-label", label); }
    });
    // Accordion headers are plain divs: make them buttons for the keyboard and screen readers.
    document.querySelectorAll(".jupyter-widget-Collapse-header").forEach(function (h) {
      if (h.getAttribute("role") !== "button") {
        h.setAttribute("role", "button");
        h.setAttribute("tabindex", "0");
        h.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); h.click(); }
        });
      }
      var open = h.parentElement && h.parentElement.classList.contains("jupyter-widget-Collapse-open");
      if (h.getAttribute("aria-expanded") !== String(!!open)) { h.setAttribute("aria-expanded", String(!!open)); }
    });
    var h1 = document.querySelector("#rendered_cells h1");
    if (h1) {
      var county = document.querySelector(".orb-county");
      var copy = h1.cloneNode(true);
      copy.querySelectorAll(".anchor-link").forEach(function (a) { a.remove(); });
      var title = copy.textContent.trim();
      if (county && title.indexOf(county.textContent.trim()) < 0) { title += " — " + county.textContent.trim(); }
      if (document.title !== title) { document.title = title; }
    }
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(enhance); }
  }
  new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  schedule();
})();
