// Progressive enhancement: show the signer's name under the letter as they type.
// The page works the same without it.
(function () {
  "use strict";
  var target = document.querySelector("[data-signer]");
  var first = document.getElementById("id_first_name");
  var last = document.getElementById("id_last_name");
  if (!target || (!first && !last)) return;
  var placeholder = target.textContent;
  function update() {
    var name = [first ? first.value : "", last ? last.value : ""].join(" ").trim();
    target.textContent = name || placeholder;
  }
  [first, last].forEach(function (input) {
    if (input) input.addEventListener("input", update);
  });
  update();
})();
