/* Service worker of the field page (scope /inspections/field/): keeps the page shell and the day's package in
   the Cache API so that the page opens and works with no network. Network first, cache when offline; a response
   that was redirected (to the login page) is never kept. The sync endpoint is never cached. */
"use strict";
const CACHE = "doluong-field-v2";
const ROOT = "/inspections/field/";
// jsi18n.js: the page's Vietnamese strings (JavaScriptCatalog of djangojs.po); jsQR.js: the QR decoder used when the
// browser has no BarcodeDetector
const SHELL = [
  ROOT,
  ROOT + "jsi18n.js",
  ROOT + "field.js",
  ROOT + "jsQR.js",
  ROOT + "manifest.webmanifest",
  ROOT + "icon.svg",
  ROOT + "icon-192.png",
];
// the same catalogue for the worker's own message (the browser keeps an imported script with the worker)
try {
  importScripts(ROOT + "jsi18n.js");
} catch (e) {
  /* no catalogue: the English msgid shows */
}
function gettext(msgid) {
  return self.django ? self.django.gettext(msgid) : msgid;
}

async function keep(cache, request, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const url of SHELL) {
        try {
          await keep(cache, url, await fetch(url, { credentials: "same-origin", cache: "no-store" }));
        } catch (e) {
          /* offline at install: the page caches itself on its next load */
        }
      }
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })()
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith(ROOT)) return;
  if (url.pathname.startsWith(ROOT + "sync")) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        // the package is kept once, whatever the day asked: the phone holds the last one it read
        return await keep(cache, url.pathname === ROOT + "package.json" ? ROOT + "package.json" : request, response);
      } catch (e) {
        const hit =
          (await cache.match(url.pathname === ROOT + "package.json" ? ROOT + "package.json" : request)) ||
          (await cache.match(request, { ignoreSearch: true })) ||
          (request.mode === "navigate" ? await cache.match(ROOT) : undefined);
        if (hit) return hit;
        return new Response(gettext("No network and no copy kept on the phone."), {
          status: 503,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
      }
    })()
  );
});
