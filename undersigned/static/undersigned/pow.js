// Proof of work, the check some sign-ups are asked for (undersigned/abuse/checks.py):
// find the number whose SHA-256 (with the given salt) is the challenge, then
// allow the form to be sent (on the check page: send it).
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

  var wanted = new Uint8Array(32);
  for (var k = 0; k < 32; k++) wanted[k] = parseInt(challenge.substr(2 * k, 2), 16);

  function matches(buffer) {
    var bytes = new Uint8Array(buffer);
    for (var k = 0; k < 32; k++) if (bytes[k] !== wanted[k]) return false;
    return true;
  }

  // The browser hashes many numbers at once: one await per batch, not per
  // number, is what keeps a phone's share of the work near the script's.
  var BATCH = 256;

  async function solve() {
    for (var start = 0; start <= max; start += BATCH) {
      var batch = [];
      for (var n = start; n < Math.min(start + BATCH, max + 1); n++) {
        batch.push(crypto.subtle.digest("SHA-256", encoder.encode(salt + n)));
      }
      var digests = await Promise.all(batch);
      for (var i = 0; i < digests.length; i++) {
        if (matches(digests[i])) return start + i;
      }
    }
    return null;
  }

  // What a person without JavaScript reads instead (wait, then press Sign).
  var wait = form.querySelector("[data-pow-wait]");
  if (wait) wait.hidden = true;
  if (button) button.disabled = true;
  if (status) status.hidden = false;
  solve().then(function (number) {
    if (number === null) return;
    input.value = btoa(JSON.stringify({
      algorithm: input.dataset.algorithm, challenge: challenge, salt: salt,
      signature: input.dataset.signature, maxnumber: max, number: number
    }));
    if (button) button.disabled = false;
    if (status && status.dataset.powDone) status.textContent = status.dataset.powDone;
    // On the check page the person has pressed Sign already: send it now.
    if (input.hasAttribute("data-pow-submit")) form.submit();
  });
})();
