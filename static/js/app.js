// Page behaviour without inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  // Every htmx request carries the session's CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    if (csrf && csrf.content) {
      event.detail.headers["X-CSRF-Token"] = csrf.content;
    }
  });

  // A pinyin input method fires input events while composing; search only on the result.
  document.addEventListener("compositionstart", function (event) {
    event.target.dataset.composing = "1";
  });
  document.addEventListener("compositionend", function (event) {
    delete event.target.dataset.composing;
    if (event.target.matches("[data-active-search]")) {
      event.target.dispatchEvent(new Event("search-ready", { bubbles: true }));
    }
  });
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches("[data-active-search]") && !event.isComposing && !el.dataset.composing) {
      el.dispatchEvent(new Event("search-ready", { bubbles: true }));
    }
  });

  // Confirmations name the act ("确定终止该项目？"); the text comes from the server.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // Side menu collapse on small screens.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-sidebar]");
    if (toggle) {
      document.body.classList.toggle("sidebar-open");
    }
    var close = event.target.closest("[data-dismiss-toast]");
    if (close) {
      close.closest(".toast-item").remove();
    }
  });
})();
