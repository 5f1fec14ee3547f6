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
      // A roll call saved offline that needed a look and is now saved on the server: done too, and
      // so is a notice that it was removed after 24 hours.
      var queue = readJson(store, OFFLINE_QUEUE, []);
      var left = queue.filter(function (item) { return item.draftKey !== key; });
      if (left.length !== queue.length) {
        writeQueue(store, left);
      }
      writeNotices(store, readNotices(store).filter(function (notice) { return notice.draftKey !== key; }));
      preparedIsStale(store);  // the prepared copy of this roll call is an older version now
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
  // removed at logout, after 24 hours and when another user logs in.
  var OFFLINE_QUEUE = "collectief-offline-queue";
  var OFFLINE_USER = "collectief-offline-user";
  var OFFLINE_PREPARED = "collectief-offline-prepared";  // {at: ms, urls: [...], stale: bool}
  var OFFLINE_NOTICES = "collectief-offline-notices";  // [{label, url, at, draftKey}]: removed after 24 h
  var OFFLINE_TEXTS = "collectief-offline-texts";  // the logout question, in the user's language
  var DRAFT_PREFIX = "collectief-session:";
  var ROLL_CALL_PREFIX = "collectief-rollcall-";
  var STATIC_CACHE = "collectief-static";
  var META_URL = "/offline/meta";
  var DEVICE_URL = "/offline/toestel/";
  var TODAY_URL = "/offline/vandaag/";
  var DAY_MS = 24 * 60 * 60 * 1000;
  var WARN_MS = 20 * 60 * 60 * 1000;  // after this the start page says when a waiting roll call goes
  var HOUR_MS = 60 * 60 * 1000;
  var PREPARE_AGAIN_MS = HOUR_MS;  // the start page refreshes the prepared roll calls hourly
  var TIMEOUT_MS = 15 * 1000;  // no answer in this time: the connection does not carry ("lie-fi")
  var GUARD_WAIT_MS = 1000;  // how long a save waits for the service worker to stand guard
  // Only when the server never gave the words (collectief/offline.py device_texts): the msgids.
  var FALLBACK_TEXTS = {
    logoutTitle: "Log out?",
    unsentOne: "There is still {n} roll call on this device that has not been sent. If you log out, it will be removed.",
    unsentMany: "There are still {n} roll calls on this device that have not been sent. If you log out, they will be removed.",
    logoutAnyway: "Log out anyway",
    stayLoggedIn: "Do not log out"
  };
  var syncing = null;

  function readJson(store, key, fallback) {
    try {
      return JSON.parse(store.getItem(key) || "null") || fallback;
    } catch (error) {
      return fallback;
    }
  }

  function writeList(store, key, list) {
    if (list.length) {
      store.setItem(key, JSON.stringify(list));
    } else {
      store.removeItem(key);
    }
  }

  function readQueue(store) {
    return readJson(store, OFFLINE_QUEUE, []);
  }

  function writeQueue(store, queue) {
    writeList(store, OFFLINE_QUEUE, queue);
  }

  function readNotices(store) {
    return readJson(store, OFFLINE_NOTICES, []);
  }

  function writeNotices(store, notices) {
    writeList(store, OFFLINE_NOTICES, notices);
  }

  function ageOf(isoTime) {
    var age = Date.now() - Date.parse(isoTime);
    return isNaN(age) ? Infinity : age;  // no readable time: treated as too old
  }

  // A fetch that gives up after 15 seconds (the body included): a connection that claims to be
  // online but does not carry must not keep anything waiting for ever.
  function fetchWithin(url, options, read) {
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(url, Object.assign({credentials: "same-origin", signal: controller.signal}, options))
      .then(function (response) { return read ? read(response) : response; })
      .then(function (result) {
        window.clearTimeout(timer);
        return result;
      }, function (error) {
        window.clearTimeout(timer);
        throw error;
      });
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

  function dropDrafts(store, olderThan) {
    Object.keys(store).forEach(function (key) {
      if (key.indexOf(DRAFT_PREFIX) !== 0) {
        return;
      }
      if (olderThan === undefined || ageOf(readJson(store, key, {}).saved) > olderThan) {
        store.removeItem(key);
      }
    });
  }

  // Everything offline goes: the waiting roll calls, the copies being typed, the prepared pages.
  function wipeOffline(store) {
    [OFFLINE_QUEUE, OFFLINE_USER, OFFLINE_PREPARED, OFFLINE_NOTICES, OFFLINE_TEXTS].forEach(function (key) {
      store.removeItem(key);
    });
    dropDrafts(store);
    return dropRollCallCaches(null);
  }

  // Nothing personal stays longer than 24 hours: a roll call not sent by then (waiting or needing a
  // look) goes with its typed copy, and leaves only a notice (the group and the date, no names);
  // copies being typed and prepared pages go too. On every page load, with or without a connection.
  function expireOffline(store) {
    var queue = readQueue(store);
    var left = queue.filter(function (item) { return ageOf(item.savedAt) <= DAY_MS; });
    if (left.length !== queue.length) {
      var notices = readNotices(store);
      queue.filter(function (item) { return left.indexOf(item) === -1; }).forEach(function (item) {
        if (item.draftKey) {
          store.removeItem(item.draftKey);
        }
        notices.push({label: item.label, url: item.url, at: new Date().toISOString(), draftKey: item.draftKey || ""});
      });
      writeQueue(store, left);
      writeNotices(store, notices);
    }
    dropDrafts(store, DAY_MS);
    var prepared = readJson(store, OFFLINE_PREPARED, null);
    if (prepared && !(Date.now() - prepared.at <= DAY_MS)) {
      store.removeItem(OFFLINE_PREPARED);
      return dropRollCallCaches(null);
    }
    return Promise.resolve();
  }

  // A roll call was saved online: its prepared copy holds an older version; prepare again.
  function preparedIsStale(store) {
    var prepared = readJson(store, OFFLINE_PREPARED, null);
    if (prepared) {
      prepared.stale = true;
      store.setItem(OFFLINE_PREPARED, JSON.stringify(prepared));
    }
  }

  function isPrepared(store, url) {
    var prepared = readJson(store, OFFLINE_PREPARED, null);
    return Boolean(prepared && Date.now() - prepared.at <= DAY_MS && (prepared.urls || []).indexOf(url) !== -1);
  }

  // Who is logged in, as this device knows them, with a fresh CSRF token; null without a login.
  function whoIsLoggedIn() {
    return fetchWithin(DEVICE_URL, {headers: {Accept: "application/json"}}, function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return response.ok && json ? response.json() : null;
    });
  }

  // Another user on this device: nothing of the previous one stays.
  function checkUser(store, who) {
    var known = store.getItem(OFFLINE_USER);
    var wiped = known && known !== who.user ? wipeOffline(store) : Promise.resolve();
    return wiped.then(function () {
      store.setItem(OFFLINE_USER, who.user);
      if (who.texts) {
        store.setItem(OFFLINE_TEXTS, JSON.stringify(who.texts));
      }
    });
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* works online as before */ });
  }

  function cachePage(cache, url) {
    return fetchWithin(url, {}, function (response) {
      // Only the roll call itself: never a login page or an error page in its place.
      if (response.ok && !response.redirected) {
        return cache.put(url, response);
      }
      return null;
    }).catch(function () { return null; });  // not kept this time; the other roll calls still are
  }

  // Start page: today's sessions already logged of my groups, with their roll calls (to correct).
  function renderToday(root) {
    var section = root.querySelector("#offline-today");
    if (!section) {
      return Promise.resolve();
    }
    return fetchWithin(TODAY_URL, {headers: {Accept: "application/json"}}, function (response) {
      return response.ok ? response.json() : {sessions: []};
    }).then(function (data) {
      var list = section.querySelector("#offline-today-list");
      list.textContent = "";
      data.sessions.forEach(function (session) {
        var row = document.createElement("li");
        row.className = "list-group-item d-flex flex-wrap align-items-center gap-2";
        var text = document.createElement("span");
        text.className = "me-auto";
        text.textContent = session.group + " · " + session.time;
        var link = document.createElement("a");
        link.className = "btn btn-sm btn-outline-primary";
        link.href = session.url;
        link.setAttribute("data-offline-prepare", "");
        link.textContent = section.dataset.textCorrect;
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " " + text.textContent;
        link.append(hidden);
        row.append(text, link);
        list.append(row);
      });
      section.hidden = data.sessions.length === 0;
    }).catch(function () { /* not now: the list stays as it was */ });
  }

  // Start page, online: keep the roll calls listed for my groups (data-offline-prepare) for a day.
  function prepareForTheDay(store, root, who) {
    var urls = Array.prototype.map.call(root.querySelectorAll("a[data-offline-prepare]"), function (link) {
      return link.href;
    }).filter(function (url, index, all) { return all.indexOf(url) === index; });
    var name = ROLL_CALL_PREFIX + who.user;
    var prepared = readJson(store, OFFLINE_PREPARED, null);
    if (prepared && !prepared.stale && Date.now() - prepared.at < PREPARE_AGAIN_MS &&
        JSON.stringify(prepared.urls) === JSON.stringify(urls)) {
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

  function formFields(form, submitter) {
    var fields = [];
    var data;
    try {
      data = new FormData(form, submitter || null);
    } catch (error) {
      data = new FormData(form);
    }
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    return fields;
  }

  // Keep a roll call on the device (the copy of issue 10 stays as well) and say so.
  function keepOnDevice(form, store, fields) {
    var url = window.location.href;
    var group = document.querySelector(".breadcrumb-item a");
    var day = form.querySelector("#id_date");
    var queue = readQueue(store).filter(function (item) { return item.url !== url; });  // a second save replaces
    // The label is what the start page and a notice show: the group's name and the date, no resident.
    queue.push({url: url, fields: fields, savedAt: new Date().toISOString(), state: "waiting",
                label: (group ? group.textContent.trim() : document.title) + (day ? " · " + day.value : ""),
                draftKey: form.dataset.draftKey || ""});
    writeQueue(store, queue);
    var note = document.getElementById("offline-saved");
    if (!note) {
      note = document.createElement("div");
      note.className = "alert alert-success";
      note.setAttribute("role", "status");
      note.id = "offline-saved";
      form.parentNode.insertBefore(note, form);
    }
    note.textContent = form.dataset.offlineSaved;
    form.hidden = true;
    window.scrollTo(0, 0);
  }

  // Saving a roll call: offline, it is kept on the device. Online, a prepared roll call asks the
  // service worker to stand guard first: if the post then fails or does not get an answer in 15
  // seconds, the service worker keeps the page on screen and hands back what was posted, which is
  // kept on the device the same way. The post itself is the browser's own, unchanged.
  function initOfflineSave(form, store) {
    var guarding = false;
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || form.dataset.guardSet) {
        return;
      }
      if (!navigator.onLine) {
        event.preventDefault();
        keepOnDevice(form, store, formFields(form, event.submitter));
        return;
      }
      var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (!worker || !window.MessageChannel || !isPrepared(store, window.location.href)) {
        return;  // as without a service worker; the copy of issue 10 keeps what was typed
      }
      event.preventDefault();
      var submitter = event.submitter;
      var sent = false;
      function send() {
        if (sent) {
          return;
        }
        sent = true;
        form.dataset.guardSet = "1";
        try {
          form.requestSubmit(submitter || undefined);
        } finally {
          delete form.dataset.guardSet;
        }
      }
      var channel = new MessageChannel();
      channel.port1.onmessage = function () {
        guarding = true;
        send();
      };
      window.setTimeout(send, GUARD_WAIT_MS);  // no answer from the service worker: save as usual
      worker.postMessage({type: "guard", url: window.location.href}, [channel.port2]);
    });
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        var data = event.data || {};
        if (data.type === "offline-kept" && guarding && data.url === window.location.href) {
          keepOnDevice(form, store, data.fields);
          var button = form.querySelector("#save-session");
          if (button) {
            button.disabled = false;  // for when the form is shown again
          }
        }
      });
      navigator.serviceWorker.startMessages();
    }
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

  // Send the waiting roll calls in order; a failed or silent post (no connection after all) stops
  // the round and the roll call keeps waiting.
  function sendNext(store, csrf) {
    var item = readQueue(store).filter(function (entry) { return entry.state === "waiting"; })[0];
    if (!item) {
      return Promise.resolve();
    }
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf);
    item.fields.forEach(function (field) { body.append(field[0], field[1]); });
    return fetchWithin(item.url, {method: "POST", body: body, headers: {"X-CSRFToken": csrf}}, function (response) {
      return response.text().then(function (html) { return {result: outcome(item, response, html), response: response}; });
    }).then(function (answer) {
      if (answer.result === "expired") {
        return null;  // the login ended meanwhile: everything waits for the next login
      }
      var queue = readQueue(store);
      var index = queue.findIndex(function (entry) { return entry.url === item.url && entry.savedAt === item.savedAt; });
      if (answer.result === "sent") {
        if (index !== -1) {
          queue.splice(index, 1);
        }
        if (item.draftKey) {
          store.removeItem(item.draftKey);
        }
        preparedIsStale(store);
      } else if (index !== -1) {
        queue[index].state = "look";
        queue[index].link = answer.response.redirected ? answer.response.url : item.url;
      }
      writeQueue(store, queue);
      return sendNext(store, csrf);
    });
  }

  function fill(template, values) {
    return Object.keys(values).reduce(function (text, key) {
      return text.split("{" + key + "}").join(values[key]);
    }, template || "");
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
      var age = ageOf(item.savedAt);
      if (age > WARN_MS) {
        // Close to 24 hours: say when it goes, and (when it waits) that a connection sends it.
        var warning = document.createElement("span");
        warning.className = "d-block small fw-semibold text-danger-emphasis offline-expiry";
        var hours = String(Math.max(1, Math.ceil((DAY_MS - age) / HOUR_MS)));
        warning.textContent = fill(item.state === "look" ? section.dataset.textExpiresLook
                                                         : section.dataset.textExpiresWaiting, {hours: hours});
        text.append(warning);
      }
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

  // Start page: the roll calls removed after 24 hours without being sent (no names: group and date).
  function renderRemoved(store, root) {
    var section = root.querySelector("#offline-removed");
    if (!section) {
      return;
    }
    var list = section.querySelector("#offline-removed-list");
    var notices = readNotices(store);
    list.textContent = "";
    notices.forEach(function (notice) {
      var row = document.createElement("li");
      row.className = "list-group-item list-group-item-warning d-flex flex-wrap align-items-center gap-2 offline-removed-item";
      var text = document.createElement("span");
      text.className = "me-auto";
      text.textContent = fill(section.dataset.textRemoved, {label: notice.label}) + " ";
      var again = document.createElement("a");
      again.href = notice.url;
      again.textContent = section.dataset.textAgain;
      text.append(again);
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "btn btn-sm btn-outline-secondary";
      dismiss.textContent = section.dataset.textDismiss;
      dismiss.addEventListener("click", function () {
        writeNotices(store, readNotices(store).filter(function (other) {
          return !(other.url === notice.url && other.at === notice.at);
        }));
        renderRemoved(store, root);
        // The button is gone: keep the keyboard in the section, or at the page's heading once it is empty.
        var heading = section.hidden ? root.querySelector("h1") : section.querySelector("h2");
        if (heading) {
          heading.tabIndex = -1;
          heading.focus();
        }
      });
      row.append(text, dismiss);
      list.append(row);
    });
    section.hidden = notices.length === 0;
  }

  // On each page load and when the connection returns: check the user, send what waits, prepare
  // (on the start page; not when logging out).
  function offlineRound(store, root, prepare) {
    if (syncing) {
      return syncing;
    }
    var onStart = Boolean(root.querySelector("#offline-waiting"));
    var onRollCall = Boolean(root.querySelector("#session-form"));
    // A roll call page also learns the words of the logout question, before anything is kept.
    var hasData = store.getItem(OFFLINE_USER) || readQueue(store).length || (onRollCall && !store.getItem(OFFLINE_TEXTS));
    if (!navigator.onLine || !(hasData || onStart)) {
      renderWaiting(store, root);
      renderRemoved(store, root);
      return Promise.resolve();
    }
    syncing = expireOffline(store).then(whoIsLoggedIn).then(function (who) {
      if (!who) {
        return null;  // not logged in (or the login expired): what waits, waits for the next login
      }
      return checkUser(store, who).then(function () {
        return sendNext(store, who.csrf);
      }).then(function () {
        return prepare !== false && onStart && window.caches ?
          renderToday(root).then(function () { return prepareForTheDay(store, root, who); }) : null;
      }).then(function (count) {
        if (count !== null && count !== undefined) {
          document.documentElement.dataset.offlinePrepared = String(count);
        }
      });
    }).catch(function () { /* no connection after all: try again at the next page or "online" */ })
      .then(function () {
        syncing = null;
        renderWaiting(store, root);
        renderRemoved(store, root);
        document.documentElement.dataset.offlineRound = "done";
      });
    return syncing;
  }

  // The logout question: an in-page dialog (modal, focus inside, Escape is "do not log out").
  function askBeforeLogout(store, count, form) {
    // The words: from the page itself (base.html, the user's language), else as kept offline.
    var fromPage = {};
    Object.keys(FALLBACK_TEXTS).forEach(function (key) {
      if (form && form.dataset[key]) {
        fromPage[key] = form.dataset[key];
      }
    });
    var texts = Object.assign({}, FALLBACK_TEXTS, readJson(store, OFFLINE_TEXTS, {}), fromPage);
    return new Promise(function (resolve) {
      var dialog = document.createElement("dialog");
      dialog.id = "logout-unsent";
      dialog.className = "border-0 rounded-3 shadow p-4";
      dialog.style.maxWidth = "30rem";
      dialog.setAttribute("aria-labelledby", "logout-unsent-title");
      dialog.setAttribute("aria-describedby", "logout-unsent-text");
      var title = document.createElement("h2");
      title.className = "h5";
      title.id = "logout-unsent-title";
      title.textContent = texts.logoutTitle;
      var text = document.createElement("p");
      text.id = "logout-unsent-text";
      text.textContent = fill(count === 1 ? texts.unsentOne : texts.unsentMany, {n: String(count)});
      var buttons = document.createElement("div");
      buttons.className = "d-flex flex-wrap justify-content-end gap-2";
      var stay = document.createElement("button");
      stay.type = "button";
      stay.className = "btn btn-primary";
      stay.id = "logout-unsent-stay";
      stay.textContent = texts.stayLoggedIn;
      var leave = document.createElement("button");
      leave.type = "button";
      leave.className = "btn btn-outline-danger";
      leave.id = "logout-unsent-leave";
      leave.textContent = texts.logoutAnyway;
      buttons.append(stay, leave);
      dialog.append(title, text, buttons);
      document.body.append(dialog);
      var answer = false;
      stay.addEventListener("click", function () { dialog.close(); });
      leave.addEventListener("click", function () {
        answer = true;
        dialog.close();
      });
      dialog.addEventListener("close", function () {
        dialog.remove();
        resolve(answer);
      });
      dialog.showModal();
      stay.focus();  // the safe choice first
    });
  }

  // Logging out removes everything offline; first what waits is sent, if it can be. What could not be
  // sent is not removed without asking.
  function initLogoutWipe(store, root) {
    root.querySelectorAll('form[action$="/logout/"]').forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.wiped || !navigator.onLine) {
          return;  // offline the logout cannot reach the server: the login (and what waits) stays
        }
        event.preventDefault();
        if (form.dataset.busy) {
          return;
        }
        form.dataset.busy = "1";
        (syncing || Promise.resolve()).then(function () {
          var waiting = readQueue(store).some(function (item) { return item.state === "waiting"; });
          return waiting ? offlineRound(store, root, false) : null;  // the last attempt to send
        }).then(function () {
          var left = readQueue(store).length;
          return left ? askBeforeLogout(store, left, form) : true;
        }).then(function (leave) {
          delete form.dataset.busy;
          if (!leave) {
            return null;
          }
          return wipeOffline(store).catch(function () { return null; }).then(function () {
            form.dataset.wiped = "1";
            form.submit();
          });
        });
      });
    });
  }

  function initOffline(root, form, store) {
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
    var store = draftStore();
    if (store) {
      expireOffline(store);  // before a copy older than 24 hours could be offered again
    }
    clearSavedDrafts(document);
    if (form) {
      initSessionForm(form);
      initSessionDraft(form);
    }
    initConfirm(document);
    initOffline(document, form, store);
  });
})();
