// Kanban: drag a card (Sortable.js) or use its 移动到… menu; either opens, in a modal, the
// form the server picks for that move (GET /projects/{id}/move: the advance form, the
// move-back form, or why the move cannot be made), so the stage rules live only there.
// A saved move refreshes the board; a refused one shows why and the card goes back.
(function () {
  "use strict";

  var pending = null; // the dragged card and where it came from, until the move is decided

  function modal() { return document.getElementById("kanban-modal"); }
  function modalBody() { return document.getElementById("kanban-modal-body"); }

  function putBack() {
    if (pending && pending.from && pending.item) {
      pending.from.insertBefore(pending.item, pending.next && pending.next.parentNode === pending.from
        ? pending.next : null);
    }
    pending = null;
  }

  function show(title) {
    var el = modal();
    el.querySelector(".modal-title").textContent = title || "";
    window.bootstrap.Modal.getOrCreateInstance(el).show();
  }

  function refreshBoard() {
    var board = document.getElementById("board");
    if (!board) { window.location.reload(); return; }
    window.htmx.ajax("GET", window.location.pathname + window.location.search,
                     { target: "#board", swap: "outerHTML" });
  }

  function openMove(card, toStage) {
    var el = modal();
    var body = modalBody();
    if (!el || !body || !toStage || toStage === card.dataset.stage) { putBack(); return; }
    var here = window.location.pathname + window.location.search;
    body.textContent = el.dataset.loading || "";
    show(card.dataset.name);
    window.htmx.ajax("GET", "/projects/" + card.dataset.projectId + "/move?to_stage=" +
                     encodeURIComponent(toStage) + "&next=" + encodeURIComponent(here),
                     { source: body, target: body, swap: "innerHTML" });
  }

  function bindLists(root) {
    if (!window.Sortable) { return; }
    var board = document.getElementById("board");
    if (!board || board.dataset.movable !== "true") { return; }
    (root || document).querySelectorAll(".zs-kanban-list").forEach(function (list) {
      if (window.Sortable.get(list)) { return; }
      window.Sortable.create(list, {
        group: "kanban",
        sort: false,
        draggable: ".zs-kanban-card[data-movable]",
        filter: "a, select, button, input, textarea, label",
        preventOnFilter: false,
        animation: 150,
        ghostClass: "is-ghost",
        onStart: function (event) {
          pending = { item: event.item, from: event.from, next: event.item.nextSibling };
        },
        onEnd: function (event) {
          if (event.from === event.to) { pending = null; return; }
          openMove(event.item, event.to.dataset.stage);
        }
      });
    });
  }

  // The keyboard path: each card's 移动到… form (a plain GET without JavaScript).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(".zs-kanban-move")) { return; }
    var select = form.querySelector('[name="to_stage"]');
    if (!modal() || !select || !select.value) { return; }
    event.preventDefault();
    pending = null;
    openMove(form.closest(".zs-kanban-card"), select.value);
  });

  // Answers to requests made from the modal: a saved move refreshes the board; a refusal
  // (422, 409) is swapped into the modal by htmx and the card returns to its column.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var el = modal();
    var source = event.detail.elt;
    if (!el || !source || !el.contains(source)) { return; }
    var status = event.detail.xhr.status;
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "";
    if (verb.toLowerCase() !== "get" && status >= 200 && status < 300) {
      event.preventDefault();
      pending = null;
      window.bootstrap.Modal.getOrCreateInstance(el).hide();
      refreshBoard();
    } else if (status >= 400) {
      putBack();
    }
  });

  // Other failures (403, 404, 412, 5xx) arrive as a toast; inside the modal, show them there.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var el = modal();
    if (!el || !event.detail.elt || !el.contains(event.detail.elt) || !event.detail.isError) { return; }
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    event.detail.target = modalBody();
    event.detail.swapOverride = "innerHTML";
  });

  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target === modal()) {
      putBack();
      modalBody().replaceChildren();
      document.querySelectorAll(".zs-kanban-move select").forEach(function (s) { s.value = ""; });
    }
  });

  // After a swap inside the modal, focus the field to fix (or the first one), so keyboard
  // users land in the form and Escape still closes the dialog.
  function focusModal() {
    var el = modal();
    if (!el || !el.classList.contains("show")) { return; }
    var field = el.querySelector(".is-invalid") ||
      el.querySelector(".modal-body input:not([type=hidden]), .modal-body select, .modal-body textarea");
    (field || el).focus();
  }
  document.addEventListener("shown.bs.modal", function (event) {
    if (event.target === modal()) { focusModal(); }
  });

  document.addEventListener("DOMContentLoaded", function () { bindLists(document); });
  // Settled, not just swapped: htmx copies old attributes (classes) onto the new fields first.
  document.addEventListener("htmx:afterSettle", focusModal);
  document.addEventListener("htmx:afterSwap", function () { bindLists(document); });
  if (document.readyState !== "loading") { bindLists(document); }
})();
