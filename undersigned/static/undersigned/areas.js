// Progressive enhancement for campaigns with targets by area: after the postal
// code is typed, ask our own lookup endpoint where it lies and show "Your
// letter will go to: …". When the code spans several areas the campaign
// addresses, ask the signer to choose (or say they are not sure) before they
// press Sign. When we lack the area or its lawmakers, say so plainly. Without
// this script the form asks after the first submit, and the next page says
// what waits.
(function () {
  "use strict";
  var preview = document.querySelector("[data-area-preview]");
  var input = document.getElementById("id_postal_code");
  if (!preview || !input || !window.fetch) return;
  var form = input.form;
  var choicesBox = document.createElement("div");
  var message = document.createElement("p");
  message.className = "area-recipients";
  preview.appendChild(choicesBox);
  preview.appendChild(message);
  var answer = null;
  var asked = "";
  var timer = null;

  function element(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function chosen(field) {
    var checked = form.querySelector('input[name="' + field + '"]:checked');
    return checked ? checked.value : null;
  }

  // The same markup the server renders for the choice, so it posts the same field.
  function choiceFieldset(choice) {
    var fieldset = element("fieldset", { "class": "field area-choice", "data-area-choice": choice.field });
    var legend = element("legend", {}, choice.label + " ");
    legend.appendChild(element("span", { "class": "req", "aria-hidden": "true" }, "*"));
    legend.appendChild(element("span", { "class": "visually-hidden" }, answer.phrases.required));
    fieldset.appendChild(legend);
    choice.options.forEach(function (option, index) {
      var id = "id_" + choice.field + "_" + index;
      var row = element("div", { "class": "check" });
      row.appendChild(element("input", { type: "radio", name: choice.field, id: id, value: option.id, required: "" }));
      row.appendChild(document.createTextNode(" "));
      row.appendChild(element("label", { "for": id }, option.name));
      fieldset.appendChild(row);
    });
    return fieldset;
  }

  function showChoices() {
    choicesBox.textContent = "";
    if (!answer) return;
    answer.choices.forEach(function (choice) {
      // After a submit without JavaScript's help the server has rendered it.
      if (!form.querySelector('[data-area-choice="' + choice.field + '"]')) {
        choicesBox.appendChild(choiceFieldset(choice));
      }
    });
  }

  // Every sentence comes from the server, in the page's language.
  function fill(phrase, values) {
    return phrase.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function showRecipients() {
    if (!answer) {
      preview.hidden = true;
      return;
    }
    preview.hidden = false;
    var phrases = answer.phrases;
    var left_out = {};
    var pending = [];
    var notice = answer.notice;
    answer.choices.forEach(function (choice) {
      var current = chosen(choice.field);
      if (!current) pending.push(choice.area);
      if (current === "unsure") notice = choice.unsure_notice;
      choice.options.forEach(function (option) {
        if (option.id !== current) left_out[option.id] = true;
      });
    });
    var names = answer.recipients
      .filter(function (r) { return !r.division || !left_out[r.division]; })
      .map(function (r) { return r.office ? r.name + ", " + r.office : r.name; });
    var parts = [];
    if (names.length) parts.push(fill(phrases.goes_to, { names: names.join("; ") }));
    if (pending.length) {
      var areas = pending.join(phrases.and);
      parts.push(fill(names.length ? phrases.choose : phrases.choose_first, { areas: areas }));
    }
    // The server's notice says nothing of an area still to be chosen.
    if (notice) parts.push(notice);
    message.textContent = parts.join(" ");
  }

  function lookup() {
    var value = input.value.trim();
    if (value.length < 3) {
      answer = null;
      asked = "";
      showChoices();
      showRecipients();
      return;
    }
    if (value === asked) return;
    asked = value;
    var url = preview.getAttribute("data-lookup") + "&postal_code=" + encodeURIComponent(value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (asked !== value) return; // a newer code was typed meanwhile
        answer = data;
        showChoices();
        showRecipients();
      })
      .catch(function () {
        answer = null;
        showRecipients();
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 350);
  });
  input.addEventListener("change", lookup);
  form.addEventListener("change", function (event) {
    if (event.target.name && event.target.name.indexOf("area_") === 0) showRecipients();
  });
  lookup();
})();
