// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";

  // Roll call: keep the "n of m present" line up to date and dim the list for a cancelled session.
  function updateRollCall(form) {
    var counter = form.querySelector("#roll-call-count");
    if (counter) {
      var present = form.querySelectorAll('.roll-call input[value="present"]:checked').length;
      // The server renders e.g. "12 van 12 aanwezig": the first number is the present count.
      counter.dataset.template = counter.dataset.template || counter.textContent;
      counter.textContent = counter.dataset.template.replace(/\d+/, String(present));
    }
    var cancelled = form.querySelector('input[name="status"][value="cancelled"]:checked');
    form.classList.toggle("is-cancelled", Boolean(cancelled));
  }

  function initSessionForm(form) {
    updateRollCall(form);
    form.addEventListener("change", function () { updateRollCall(form); });
    // A double tap on save sends one request; the server refuses a second session anyway.
    form.addEventListener("submit", function () {
      var button = form.querySelector("#save-session");
      if (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
    // Coming back with the browser's back button must not leave the button disabled.
    window.addEventListener("pageshow", function () {
      var button = form.querySelector("#save-session");
      if (button) {
        button.disabled = false;
      }
    });
  }

  function initConfirm(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) {
          event.preventDefault();
        }
      });
    });
  }

  // Participant form: fill the wijk from the postcode (when an administrator keeps the postcode
  // table), unless the worker chose one. The server does the same on save without JavaScript.
  function initNeighbourhoodFromPostcode(root) {
    var postcode = root.querySelector('input[name="postcode"]');
    var select = root.querySelector('select[name="neighbourhood"]');
    if (!postcode || !select) {
      return;
    }
    var filledByUs = false;
    postcode.addEventListener("change", function () {
      if (select.value && !filledByUs) {
        return;
      }
      fetch("/deelnemers/wijk/?postcode=" + encodeURIComponent(postcode.value), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {id: null}; })
        .then(function (data) {
          if (data.id && select.querySelector('option[value="' + data.id + '"]')) {
            select.value = String(data.id);
            filledByUs = true;
          }
        })
        .catch(function () { /* offline or refused: the server fills it on save */ });
    });
    select.addEventListener("change", function () { filledByUs = false; });
  }

  // Error pages: "back to the previous page" only when that page is one of ours. A handler here
  // rather than href="javascript:…", which the Content-Security-Policy refuses.
  function initHistoryBack(root) {
    var sameSite = document.referrer && new URL(document.referrer).origin === window.location.origin;
    root.querySelectorAll("a[data-history-back]").forEach(function (link) {
      if (!sameSite || window.history.length < 2) {
        return;
      }
      link.hidden = false;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        window.history.back();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initHistoryBack(document);
    initNeighbourhoodFromPostcode(document);
    var form = document.getElementById("session-form");
    if (form) {
      initSessionForm(form);
    }
    initConfirm(document);
  });
})();
