// Collectief's service worker (issue 15; how it works: docs/offline.md). Hand-written and small on
// purpose. Served from /sw.js (collectief/offline.py) so that its scope is the whole site.
//
// It keeps two kinds of things, nothing else:
// - static files (CSS, JavaScript, icons: no personal data), so that a prepared page works offline;
// - the roll calls the start page prepared for today, in a cache named per user
//   ("collectief-rollcall-<device name of the user>"), filled and emptied by static/js/collectief.js.
// Every other page goes to the network and is never stored. A prepared roll call is only used when
// the network fails, and never when it is older than 24 hours.
"use strict";

var STATIC_CACHE = "collectief-static";
var ROLL_CALL_PREFIX = "collectief-rollcall-";
var META_URL = "/offline/meta";  // the entry of a roll-call cache that says when it was prepared
var MAX_AGE_MS = 24 * 60 * 60 * 1000;

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

function preparedRollCall(request) {
  return caches.keys().then(function (names) {
    var mine = names.filter(function (name) { return name.indexOf(ROLL_CALL_PREFIX) === 0; });
    return mine.reduce(function (found, name) {
      return found.then(function (response) { return response || fromRollCallCache(name, request.url); });
    }, Promise.resolve(null));
  }).then(function (response) { return response || Response.error(); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;  // a save, or another site: straight to the network
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return preparedRollCall(request); }));
  }
});
