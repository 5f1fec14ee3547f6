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

  // Roll call: keep a copy of what is typed on this device (localStorage) until the server confirms
  // the save, so a dropped connection or an expired login loses nothing. The group page after a
  // save names the copy that is now saved (data-saved-session-key): only then is it removed.
  var DRAFT_SKIP = {csrfmiddlewaretoken: true, helpers_shown: true, keep_mine: true};

  function draftStore() {
    try {
      return window.localStorage;
    } catch (error) {
      return null;  // storage disabled: the form works as before
    }
  }

  function readDraftState(form) {
    var state = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || DRAFT_SKIP[field.name] || field.type === "submit" || field.type === "button") {
        return;
      }
      if (field.type === "radio" || field.type === "checkbox") {
        state[field.name] = state[field.name] || [];
        if (field.checked) {
          state[field.name].push(field.value);
        }
      } else {
        state[field.name] = field.value;
      }
    });
    return state;
  }

  function applyDraftState(form, state) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !Object.prototype.hasOwnProperty.call(state, field.name)) {
        return;
      }
      var value = state[field.name];
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = Array.isArray(value) && value.indexOf(field.value) !== -1;
      } else if (field.type !== "submit" && field.type !== "button" && typeof value === "string") {
        field.value = value;
      }
    });
    var walkIn = form.querySelector("details.walk-in");
    var typed = walkIn && walkIn.querySelectorAll('input[name^="walkin-"]:not([type="checkbox"])');
    if (typed && Array.prototype.some.call(typed, function (field) { return field.value; })) {
      walkIn.open = true;  // a restored walk-in is shown, not hidden in a closed block
    }
    updateRollCall(form);
  }

  function offerDraft(form, store, key, draft) {
    var banner = document.createElement("div");
    banner.className = "alert alert-warning d-flex flex-wrap align-items-center gap-2";
    banner.setAttribute("role", "alert");
    banner.id = "session-draft";
    var text = document.createElement("span");
    text.className = "me-auto";
    text.textContent = form.dataset.draftText;
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "btn btn-primary btn-sm";
    restore.id = "session-draft-restore";
    restore.textContent = form.dataset.draftRestore;
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-outline-secondary btn-sm";
    discard.id = "session-draft-discard";
    discard.textContent = form.dataset.draftDiscard;
    banner.append(text, restore, discard);
    form.parentNode.insertBefore(banner, form);
    restore.addEventListener("click", function () {
      applyDraftState(form, draft);
      banner.remove();
    });
    discard.addEventListener("click", function () {
      store.removeItem(key);
      banner.remove();
    });
    return banner;
  }

  function initSessionDraft(form) {
    var store = draftStore();
    var key = form.dataset.draftKey;
    if (!store || !key) {
      return;
    }
    var banner = null;
    var stored = null;
    try {
      stored = JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      stored = null;
    }
    // The page as the server sent it may already be the copy (a form handed back after an error).
    if (stored && stored.state && JSON.stringify(stored.state) !== JSON.stringify(readDraftState(form))) {
      banner = offerDraft(form, store, key, stored.state);
    }
    function keep() {
      if (banner) {
        banner.remove();  // typing anew: what is typed now is the newest copy
        banner = null;
      }
      try {
        store.setItem(key, JSON.stringify({saved: new Date().toISOString(), state: readDraftState(form)}));
      } catch (error) { /* storage full or refused: the server still has the form */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", keep);
  }

  function clearSavedDrafts(root) {
    var store = draftStore();
    if (!store) {
      return;
    }
    root.querySelectorAll("[data-saved-session-key]").forEach(function (marker) {
      store.removeItem(marker.dataset.savedSessionKey);
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
    clearSavedDrafts(document);
    if (form) {
      initSessionForm(form);
      initSessionDraft(form);
    }
    initConfirm(document);
  });
})();
