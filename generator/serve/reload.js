// Added by `python -m generator serve` to the pages it serves, never to the built site.
// It reloads the page when a rebuild changed it, and shows over it the message of a
// rebuild that failed (the next good rebuild reloads it).
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.EventSource) {
    return;
  }
  var query = "?path=" + encodeURIComponent(location.pathname) +
    "&page=" + encodeURIComponent(me.dataset.page) +
    "&static=" + encodeURIComponent(me.dataset.static);
  var events = new EventSource(me.dataset.events + query);
  var shown = null;

  events.addEventListener("reload", function () {
    events.close();
    location.reload();
  });

  events.addEventListener("build-error", function (event) {
    var message = JSON.parse(event.data);
    if (shown) {
      shown.remove();
    }
    shown = document.createElement("div");
    shown.id = "generator-serve-error";
    shown.setAttribute("role", "alertdialog");
    shown.setAttribute("aria-label", "The site could not be rebuilt");
    var style = shown.style;
    style.position = "fixed";
    style.inset = "0";
    style.zIndex = "2147483647";
    style.overflow = "auto";
    style.padding = "2rem";
    style.background = "#fff8f6";
    style.color = "#5c0a00";
    style.font = "16px/1.5 system-ui, sans-serif";
    var title = document.createElement("h2");
    title.textContent = "The site could not be rebuilt";
    var text = document.createElement("pre");
    text.style.whiteSpace = "pre-wrap";
    text.style.font = "15px/1.5 ui-monospace, monospace";
    text.textContent = message;
    var next = document.createElement("p");
    next.textContent = "This page reloads itself once a rebuild works again.";
    shown.append(title, text, next);
    document.body.append(shown);
  });
}());
