// A room page's fields save by themselves a moment after typing stops; without this script each
// field's Save button sends the same form. What the server stored comes back and is shown, so a
// text two people typed at once appears with both parts.
(function () {
  "use strict";
  var PAUSE = 1200;
  function statusOf(form) { return form.querySelector(".status"); }
  function say(form, text, kind) {
    var s = statusOf(form);
    if (!s) return;
    s.textContent = text;
    s.className = "status" + (kind ? " " + kind : "");
  }
  function save(form) {
    var body = new URLSearchParams(new FormData(form));
    var box = form.querySelector("[name=text]");
    var sent = box ? box.value : null;
    form.dataset.saving = "1";
    say(form, "Saving…", "pending");
    return fetch(form.action.split("#")[0], {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      form.dataset.saving = "";
      if (!res.ok) { say(form, res.data.error || "Not saved. Press Save again.", "failed"); return; }
      if (form.id === "person") {
        if (!form.classList.contains("field") || res.data.merged) { window.location.reload(); return; }
        form.querySelectorAll("[name^=base-]").forEach(function (b) {
          var f = form.querySelector("[name=" + b.name.slice(5) + "]");
          if (f) b.value = f.value;
        });
      }
      var base = form.querySelector("[name=base]");
      if (base) base.value = res.data.text;
      if (box && box.value === sent && res.data.text !== sent) box.value = res.data.text;
      if (res.data.merged) {
        say(form, "Saved. Someone else typed here at the same time: both texts are kept, between them a line in [brackets].", "failed");
      } else {
        say(form, "Saved.", "");
      }
    }).catch(function () {
      form.dataset.saving = "";
      say(form, "Not saved: no connection. Your text is still here; it saves when you type again or press Save.", "failed");
    });
  }
  document.querySelectorAll("form.field").forEach(function (form) {
    var timer = null;
    form.addEventListener("input", function () {
      say(form, "Not saved yet…", "pending");
      clearTimeout(timer);
      timer = setTimeout(function () { save(form); }, PAUSE);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(timer);
      save(form);
    });
  });
})();
