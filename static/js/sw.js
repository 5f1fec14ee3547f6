// Collectief's service worker (issue 15; how it works: docs/offline.md). Hand-written and small on
// purpose. Served from /sw.js (collectief/offline.py) so that its scope is the whole site.
//
// It keeps two kinds of things, nothing else:
// - static files (CSS, JavaScript, icons: no personal data), so that a prepared page works offline;
// - the roll calls the start page prepared for today, in a cache named per user
//   ("collectief-rollcall-<device name of the user>"), filled and emptied by static/js/collectief.js.
// Every other page goes to the network and is never stored. A prepared roll call is only used when
// the network fails (or has not answered in 15 seconds), and never when it is older than 24 hours.
//
// A connection that claims to be online but does not carry ("lie-fi"): the save of a prepared roll
// call is passed on to the server unchanged; if it fails or takes longer than 15 seconds, the page
// that saved it stays (an answer "204 No Content" keeps it) and is told to keep the fields on the
// device, as when saving offline. The page asks for this just before it saves ("guard").
"use strict";

var STATIC_CACHE = "collectief-static";
var ROLL_CALL_PREFIX = "collectief-rollcall-";
var META_URL = "/offline/meta";  // the entry of a roll-call cache that says when it was prepared
var MAX_AGE_MS = 24 * 60 * 60 * 1000;
var TIMEOUT_MS = 15 * 1000;  // longer than this without an answer: the connection does not carry
var GUARD_MS = 10 * 1000;  // a guard asked for is used by the save that follows at once, or not at all
var guarded = {};  // url -> {at, client}: saves of prepared roll calls about to be posted

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function staticFile(request) {
  // Network first, so that a new release is used at once; the copy is for when there is no network.
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(STATIC_CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.match(request, {ignoreVary: true}); })
      .then(function (found) { return found || Response.error(); });
  });
}

function fromRollCallCache(name, url) {
  return caches.open(name).then(function (cache) {
    return cache.match(META_URL).then(function (meta) { return meta ? meta.json() : null; }).then(function (meta) {
      if (!meta || Date.now() - meta.preparedAt > MAX_AGE_MS) {
        return caches.delete(name).then(function () { return null; });  // older than a day: gone
      }
      return cache.match(url, {ignoreVary: true});
    });
  });
}

// The prepared roll call at this address, or null.
function preparedRollCall(request) {
  return caches.keys().then(function (names) {
    var mine = names.filter(function (name) { return name.indexOf(ROLL_CALL_PREFIX) === 0; });
    return mine.reduce(function (found, name) {
      return found.then(function (response) { return response || fromRollCallCache(name, request.url); });
    }, Promise.resolve(null));
  });
}

function after(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

// A page: the network; when that fails, or is silent for 15 seconds, the prepared roll call (if any).
function page(request) {
  var network = fetch(request).catch(function () {
    return preparedRollCall(request).then(function (copy) { return copy || Response.error(); });
  });
  var slow = after(TIMEOUT_MS).then(function () { return preparedRollCall(request); }).then(function (copy) {
    return copy || network;  // nothing prepared: wait for the network after all
  });
  return Promise.race([network, slow]);
}

// The save of a prepared roll call: to the server as it is; when that fails or is silent for 15
// seconds, the page that saved it is told to keep it on the device, and stays where it is.
function saveOrKeep(request, clientId) {
  var copy = request.clone();
  var controller = new AbortController();
  var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
  return fetch(request, {signal: controller.signal}).then(function (response) {
    clearTimeout(timer);
    return response;
  }, function () {
    clearTimeout(timer);
    return copy.formData().then(function (data) {
      var fields = [];
      data.forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
          fields.push([name, value]);
        }
      });
      return self.clients.get(clientId).then(function (client) {
        if (client) {
          client.postMessage({type: "offline-kept", url: request.url, fields: fields});
        }
        return new Response(null, {status: 204});  // no new page: the roll call stays on screen
      });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "guard" && event.source && new URL(data.url).origin === self.location.origin) {
    guarded[data.url] = {at: Date.now(), client: event.source.id};
    if (event.ports[0]) {
      event.ports[0].postMessage("guarded");
    }
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;  // another site: straight to the network
  }
  if (request.method === "POST") {
    var guard = guarded[request.url];
    delete guarded[request.url];
    if (guard && request.mode === "navigate" && Date.now() - guard.at < GUARD_MS) {
      event.respondWith(saveOrKeep(request, guard.client));
    }
    return;  // any other save: straight to the network, as without a service worker
  }
  if (request.method !== "GET") {
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});
