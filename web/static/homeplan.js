// Drag a visit of the home-visit plan grid onto another nurse's or another day's cell:
// the browser opens the check-mode page of that move (same hour, the new day and
// nurse filled in), which lists the rules it would break before anything is saved.
// Without JavaScript, or from the keyboard, each visit's "déplacer" link does the same.
(function () {
  "use strict";
  var grid = document.querySelector("table.week-grid[data-draggable]");
  if (!grid) { return; }
  var dragged = null;

  function cellOf(node) {
    while (node && node !== grid) {
      if (node.tagName === "TD" && node.dataset.nurse) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  grid.querySelectorAll(".visit[data-move]").forEach(function (visit) {
    visit.setAttribute("draggable", "true");
    visit.addEventListener("dragstart", function (event) {
      dragged = visit;
      visit.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", visit.dataset.move);
    });
    visit.addEventListener("dragend", function () {
      visit.classList.remove("dragging");
      dragged = null;
    });
  });

  grid.addEventListener("dragover", function (event) {
    var cell = cellOf(event.target);
    if (!cell || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("drop-target");
  });
  grid.addEventListener("dragleave", function (event) {
    var cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) { cell.classList.remove("drop-target"); }
  });
  grid.addEventListener("drop", function (event) {
    var cell = cellOf(event.target);
    if (!cell || !dragged) { return; }
    event.preventDefault();
    cell.classList.remove("drop-target");
    var target = new URL(dragged.dataset.move, window.location.href);
    target.searchParams.set("new_date", cell.dataset.date);
    target.searchParams.set("new_nurse", cell.dataset.nurse);
    target.searchParams.set("check", "1");
    window.location.assign(target.toString());
  });
}());
