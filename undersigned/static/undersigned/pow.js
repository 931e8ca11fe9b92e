// Proof of work, only on campaigns under attack: find the number whose
// SHA-256 (with the given salt) is the challenge, then allow the form to be sent.
// Everything runs in this browser; nothing is sent anywhere else.
(function () {
  "use strict";
  var input = document.querySelector("input[data-pow]");
  if (!input || !window.crypto || !window.crypto.subtle) return;
  var form = input.form;
  var button = form.querySelector("button[type=submit]");
  var status = form.querySelector("[data-pow-status]");
  var encoder = new TextEncoder();
  var salt = input.dataset.salt;
  var challenge = input.dataset.challenge;
  var max = parseInt(input.dataset.maxnumber, 10);

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  async function solve() {
    for (var n = 0; n <= max; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(salt + n));
      if (hex(digest) === challenge) return n;
    }
    return null;
  }

  if (button) button.disabled = true;
  if (status) status.hidden = false;
  solve().then(function (number) {
    if (number === null) return;
    input.value = btoa(JSON.stringify({
      algorithm: input.dataset.algorithm, challenge: challenge, salt: salt,
      signature: input.dataset.signature, maxnumber: max, number: number
    }));
    if (button) button.disabled = false;
    if (status) status.textContent = "Check done: you can sign.";
  });
})();
