// The builder's one enhancement: the page text's preview follows the typing.
// Without JavaScript, the "Preview the text" button asks the server for the
// same HTML by reloading the step; with it, that HTML arrives as you type.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-source]");
  var target = document.querySelector("[data-preview]");
  if (!form || !target || !window.fetch) { return; }
  var body = form.querySelector("textarea[name=body]");
  var button = form.querySelector("[data-preview-button]");
  if (!body) { return; }
  if (button) { button.hidden = true; }
  var timer = null;
  function refresh() {
    var data = new FormData();
    data.append("body", body.value);
    data.append("csrfmiddlewaretoken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
    fetch(form.getAttribute("data-preview-source"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { target.innerHTML = html; }
    }).catch(function () { /* the button's path still works after a reload */ });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
}());
