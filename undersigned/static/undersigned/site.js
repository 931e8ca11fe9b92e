// Progressive enhancement for every page; each works the same without it.
(function () {
  "use strict";
  // After a failed submit the error summary takes the focus (autofocus does it
  // too where the browser honours it), so screen readers read it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) summary.focus();

  // "Copy link": shown only where the browser can copy.
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(
        function () { if (status) status.textContent = button.getAttribute("data-copied"); },
        function () { input.select(); }
      );
    });
  });
})();
