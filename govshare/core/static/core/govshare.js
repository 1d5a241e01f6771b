// Behaviour the pages declare with data attributes: the Content-Security-Policy allows no
// inline script, so handlers live here and are delegated from the document (rows added by
// htmx get them too).
document.addEventListener("click", function (event) {
  var remove = event.target.closest("[data-remove-row]");
  if (remove) {
    remove.closest("tr").remove();
    return;
  }
  var back = event.target.closest("[data-history-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
