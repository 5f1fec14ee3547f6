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
      var key = marker.dataset.savedSessionKey;
      store.removeItem(key);
      // A roll call saved offline that needed a look and is now saved on the server: done too.
      var queue = readJson(store, OFFLINE_QUEUE, []);
      var left = queue.filter(function (item) { return item.draftKey !== key; });
      if (left.length !== queue.length) {
        writeQueue(store, left);
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

  // --- The roll call offline (issue 15; how it works: docs/offline.md) -----------------------------
  // The start page prepares today's roll calls of my groups in a cache per user (the service worker,
  // static/js/sw.js, serves them when there is no network); a roll call saved offline waits in
  // localStorage and is posted to the same address as soon as there is a connection. Everything is
  // removed at logout, after 24 hours (the prepared pages) and when another user logs in.
  var OFFLINE_QUEUE = "collectief-offline-queue";
  var OFFLINE_USER = "collectief-offline-user";
  var OFFLINE_PREPARED = "collectief-offline-prepared";  // {at: ms, urls: [...]}
  var ROLL_CALL_PREFIX = "collectief-rollcall-";
  var STATIC_CACHE = "collectief-static";
  var META_URL = "/offline/meta";
  var DEVICE_URL = "/offline/toestel/";
  var DAY_MS = 24 * 60 * 60 * 1000;
  var PREPARE_AGAIN_MS = 60 * 60 * 1000;  // the start page refreshes the prepared roll calls hourly
  var syncing = null;

  function readJson(store, key, fallback) {
    try {
      return JSON.parse(store.getItem(key) || "null") || fallback;
    } catch (error) {
      return fallback;
    }
  }

  function readQueue(store) {
    return readJson(store, OFFLINE_QUEUE, []);
  }

  function writeQueue(store, queue) {
    if (queue.length) {
      store.setItem(OFFLINE_QUEUE, JSON.stringify(queue));
    } else {
      store.removeItem(OFFLINE_QUEUE);
    }
  }

  function dropRollCallCaches(keep) {
    if (!window.caches) {
      return Promise.resolve();
    }
    return window.caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(ROLL_CALL_PREFIX) === 0 && name !== keep;
      }).map(function (name) { return window.caches.delete(name); }));
    });
  }

  // Everything offline goes: the waiting roll calls, the copies being typed, the prepared pages.
  function wipeOffline(store) {
    [OFFLINE_QUEUE, OFFLINE_USER, OFFLINE_PREPARED].forEach(function (key) { store.removeItem(key); });
    Object.keys(store).forEach(function (key) {
      if (key.indexOf("collectief-session:") === 0) {
        store.removeItem(key);
      }
    });
    return dropRollCallCaches(null);
  }

  // Who is logged in, as this device knows them, with a fresh CSRF token; null without a login.
  function whoIsLoggedIn() {
    return fetch(DEVICE_URL, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        return response.ok && json ? response.json() : null;
      });
  }

  // Another user on this device: nothing of the previous one stays.
  function checkUser(store, who) {
    var known = store.getItem(OFFLINE_USER);
    var wiped = known && known !== who.user ? wipeOffline(store) : Promise.resolve();
    return wiped.then(function () { store.setItem(OFFLINE_USER, who.user); });
  }

  function expirePrepared(store) {
    var prepared = readJson(store, OFFLINE_PREPARED, null);
    if (prepared && Date.now() - prepared.at > DAY_MS) {
      store.removeItem(OFFLINE_PREPARED);
      return dropRollCallCaches(null);
    }
    return Promise.resolve();
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* works online as before */ });
  }

  function cachePage(cache, url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      // Only the roll call itself: never a login page or an error page in its place.
      if (response.ok && !response.redirected) {
        return cache.put(url, response);
      }
      return null;
    });
  }

  // Start page, online: keep the roll calls listed for my groups (data-offline-prepare) for a day.
  function prepareForTheDay(store, root, who) {
    var urls = Array.prototype.map.call(root.querySelectorAll("a[data-offline-prepare]"), function (link) {
      return link.href;
    }).filter(function (url, index, all) { return all.indexOf(url) === index; });
    var name = ROLL_CALL_PREFIX + who.user;
    var prepared = readJson(store, OFFLINE_PREPARED, null);
    if (prepared && Date.now() - prepared.at < PREPARE_AGAIN_MS && JSON.stringify(prepared.urls) === JSON.stringify(urls)) {
      return Promise.resolve(urls.length);
    }
    var assets = Array.prototype.map.call(document.querySelectorAll('link[rel="stylesheet"], script[src]'),
      function (element) { return element.href || element.src; });
    return dropRollCallCaches(null)
      .then(function () { return window.caches.open(name); })
      .then(function (cache) {
        return Promise.all(urls.map(function (url) { return cachePage(cache, url); })).then(function () {
          return cache.put(META_URL, new Response(JSON.stringify({preparedAt: Date.now()}),
                                                  {headers: {"Content-Type": "application/json"}}));
        });
      })
      .then(function () { return window.caches.open(STATIC_CACHE); })
      .then(function (cache) { return cache.addAll(assets); })
      .then(function () {
        store.setItem(OFFLINE_PREPARED, JSON.stringify({at: Date.now(), urls: urls}));
        return urls.length;
      });
  }

  // Offline, the save keeps the form on the device instead; the copy of issue 10 stays as well.
  function initOfflineSave(form, store) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine || event.defaultPrevented) {
        return;
      }
      event.preventDefault();
      var fields = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
          fields.push([name, value]);
        }
      });
      var url = window.location.href;
      var group = document.querySelector(".breadcrumb-item a");
      var day = form.querySelector("#id_date");
      var queue = readQueue(store).filter(function (item) { return item.url !== url; });  // a second save replaces
      queue.push({url: url, fields: fields, savedAt: new Date().toISOString(), state: "waiting",
                  label: (group ? group.textContent.trim() : document.title) + (day ? " · " + day.value : ""),
                  draftKey: form.dataset.draftKey || ""});
      writeQueue(store, queue);
      var note = document.createElement("div");
      note.className = "alert alert-success";
      note.setAttribute("role", "status");
      note.id = "offline-saved";
      note.textContent = form.dataset.offlineSaved;
      form.parentNode.insertBefore(note, form);
      form.hidden = true;
      window.scrollTo(0, 0);
    });
  }

  // What the server answered to a roll call sent from the device.
  function outcome(item, response, html) {
    var path = new URL(response.url).pathname;
    if (path.indexOf("/login/") === 0 || path.indexOf("/tweestaps/") === 0) {
      return "expired";
    }
    // The group page after a save names the copy that is now saved (groups/views.py SAVED_MARKER).
    if (response.ok && item.draftKey && html.indexOf('data-saved-session-key="' + item.draftKey + '"') !== -1) {
      return "sent";
    }
    return "look";  // refused, already logged by a colleague, or changed meanwhile: the worker decides
  }

  function sendNext(store, csrf) {
    var item = readQueue(store).filter(function (entry) { return entry.state === "waiting"; })[0];
    if (!item) {
      return Promise.resolve();
    }
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf);
    item.fields.forEach(function (field) { body.append(field[0], field[1]); });
    return fetch(item.url, {method: "POST", body: body, credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
      .then(function (response) {
        return response.text().then(function (html) { return {result: outcome(item, response, html), response: response}; });
      })
      .then(function (answer) {
        if (answer.result === "expired") {
          return null;  // the login ended meanwhile: everything waits for the next login
        }
        var queue = readQueue(store);
        var index = queue.findIndex(function (entry) { return entry.url === item.url && entry.savedAt === item.savedAt; });
        if (answer.result === "sent") {
          queue.splice(index, 1);
          if (item.draftKey) {
            store.removeItem(item.draftKey);
          }
        } else if (index !== -1) {
          queue[index].state = "look";
          queue[index].link = answer.response.redirected ? answer.response.url : item.url;
        }
        writeQueue(store, queue);
        return sendNext(store, csrf);
      });
  }

  function renderWaiting(store, root) {
    var section = root.querySelector("#offline-waiting");
    if (!section) {
      return;
    }
    var list = section.querySelector("#offline-waiting-list");
    var queue = readQueue(store);
    list.textContent = "";
    queue.forEach(function (item) {
      var row = document.createElement("li");
      row.className = "list-group-item d-flex flex-wrap align-items-center gap-2 offline-item is-" + item.state;
      var text = document.createElement("span");
      text.className = "me-auto";
      var state = item.state === "look" ? section.dataset.textLook : section.dataset.textWaiting;
      text.textContent = item.label + " — " + state + " (" + section.dataset.textSavedAt + " " +
        new Date(item.savedAt).toLocaleString(document.documentElement.lang || undefined) + ")";
      row.append(text);
      if (item.state === "look") {
        var open = document.createElement("a");
        open.className = "btn btn-sm btn-outline-primary";
        open.href = item.link || item.url;
        open.textContent = section.dataset.textOpen;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-sm btn-outline-secondary";
        remove.textContent = section.dataset.textRemove;
        remove.addEventListener("click", function () {
          writeQueue(store, readQueue(store).filter(function (entry) { return entry.savedAt !== item.savedAt; }));
          renderWaiting(store, root);
        });
        row.append(open, remove);
      }
      list.append(row);
    });
    section.hidden = queue.length === 0;
  }

  // On each page load and when the connection returns: check the user, send what waits, prepare.
  function offlineRound(store, root) {
    if (syncing) {
      return syncing;
    }
    var onStart = Boolean(root.querySelector("#offline-waiting"));
    var hasData = store.getItem(OFFLINE_USER) || readQueue(store).length;
    if (!navigator.onLine || !(hasData || onStart)) {
      renderWaiting(store, root);
      return Promise.resolve();
    }
    syncing = expirePrepared(store).then(whoIsLoggedIn).then(function (who) {
      if (!who) {
        return null;  // not logged in (or the login expired): what waits, waits for the next login
      }
      return checkUser(store, who).then(function () {
        return sendNext(store, who.csrf);
      }).then(function () {
        return onStart && window.caches ? prepareForTheDay(store, root, who) : null;
      }).then(function (count) {
        if (count !== null && count !== undefined) {
          document.documentElement.dataset.offlinePrepared = String(count);
        }
      });
    }).catch(function () { /* no connection after all: try again at the next page or "online" */ })
      .then(function () {
        syncing = null;
        renderWaiting(store, root);
        document.documentElement.dataset.offlineRound = "done";
      });
    return syncing;
  }

  // Logging out removes everything offline; first what waits is sent, if it can be.
  function initLogoutWipe(store, root) {
    root.querySelectorAll('form[action$="/logout/"]').forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.wiped || !navigator.onLine) {
          return;  // offline the logout cannot reach the server: the login (and what waits) stays
        }
        event.preventDefault();
        offlineRound(store, root).then(function () { return wipeOffline(store); }).catch(function () {
          return null;
        }).then(function () {
          form.dataset.wiped = "1";
          form.submit();
        });
      });
    });
  }

  function initOffline(root, form) {
    var store = draftStore();
    registerServiceWorker();
    if (!store) {
      return;
    }
    if (form) {
      initOfflineSave(form, store);
    }
    initLogoutWipe(store, root);
    window.addEventListener("online", function () { offlineRound(store, root); });
    offlineRound(store, root);
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
    initOffline(document, form);
  });
})();
