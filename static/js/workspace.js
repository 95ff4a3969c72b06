/* Redress staff workspace: re-open the form that was posted with errors (no inline scripts:
   the Content-Security-Policy allows only files from this site). */
document.addEventListener("DOMContentLoaded", function () {
  var modal = document.querySelector(".modal[data-open-on-load]");
  if (modal && window.bootstrap) {
    window.bootstrap.Modal.getOrCreateInstance(modal).show();
  }
});
