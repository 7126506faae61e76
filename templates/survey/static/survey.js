// Optional help on the survey page: a progress line, and a half-filled form kept
// in this tab across a reload. The page works the same without it.
(function () {
  "use strict";
  var form = document.querySelector("form.survey");
  var done = document.querySelector("[data-clear-draft]");
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  if (done && store) { store.removeItem(done.getAttribute("data-clear-draft")); }
  if (!form) { return; }
  var key = form.getAttribute("data-draft");
  var progress = document.getElementById("progress");
  var bar = document.getElementById("progress-bar");
  var count = progress ? progress.querySelector(".n") : null;

  function answered() {
    var names = {};
    form.querySelectorAll("input[type=radio]:checked").forEach(function (r) {
      if (r.name.indexOf("q-") === 0) { names[r.name] = true; }
    });
    return Object.keys(names).length;
  }
  function showProgress() {
    if (!progress) { return; }
    var n = answered();
    bar.value = n;
    count.textContent = String(n);
  }
  function save() {
    if (!store || !key) { return; }
    var data = {};
    form.querySelectorAll("input[type=radio]:checked, textarea").forEach(function (el) {
      if (el.type === "radio" || el.value) { data[el.name] = el.value; }
    });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full or private: fine */ }
  }
  function restore() {
    if (!store || !key || form.querySelector("input[type=radio]:checked")) { return; }
    var data;
    try { data = JSON.parse(store.getItem(key) || "{}"); } catch (e) { return; }
    Object.keys(data).forEach(function (name) {
      var value = String(data[name]);
      form.querySelectorAll("[name='" + name.replace(/[^\w-]/g, "") + "']").forEach(function (el) {
        if (el.type === "radio") { el.checked = el.value === value; }
        else if (el.tagName === "TEXTAREA") { el.value = value; }
      });
    });
  }
  restore();
  // Back from the thank-you page: a page kept in the browser's memory must not show the sent answers.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && store && !store.getItem(key)) { form.reset(); showProgress(); }
  });
  if (progress) { progress.hidden = false; }
  showProgress();
  form.addEventListener("change", function () { showProgress(); save(); });
  form.addEventListener("input", save);
  var problem = document.getElementById("problem");
  if (problem) { problem.focus(); }
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    // One press is enough; the server never stores a page twice anyway.
    window.setTimeout(function () { if (button) { button.disabled = true; } }, 0);
  });
})();
