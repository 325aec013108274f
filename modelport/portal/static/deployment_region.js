// A deployment page whose address names no region (an old bookmark, a typed URL) shows the
// deployment the management API resolves the bare name to: the one in the default region, else
// the only one of that name. Names are unique per region only, so this module names that region in
// the heading and, when the name exists in other regions too, says so with a link to each one's
// page (same tab). Where the name is in several regions and none is the default one, the API
// resolves nothing (409) and the notice asks to pick a region.
import { ApiError, el, get } from "./api.js";

const notice = document.getElementById("region-notice");
const badge = document.getElementById("deployment-region");
const name = notice.dataset.name;

// This page (same tab) for the deployment of this name in `region`.
const hereIn = (region) => `${window.location.pathname}?region=${encodeURIComponent(region)}`;

function regionLinks(regions) {
  return el("ul", { class: "region-links" }, ...regions.map((region) =>
    el("li", {}, el("a", { href: hereIn(region), "data-region": region }, name, " in region ", el("strong", { text: region })))));
}

async function regionsOfName() {
  // The deployments of this name that this principal may read: one per region at most.
  const list = await get(`/management/deployments?name=${encodeURIComponent(name)}`);
  return list.data.map((d) => d.region).sort();
}

async function resolvedRegion() {
  try {
    return (await get(`/management/deployments/${encodeURIComponent(name)}`)).region;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) return null; // in several regions, none default
    throw err;
  }
}

try {
  const [shown, regions] = await Promise.all([resolvedRegion(), regionsOfName()]);
  if (shown) {
    badge.querySelector("strong").textContent = shown;
    badge.hidden = false;
  }
  const others = regions.filter((region) => region !== shown);
  if (shown && others.length) {
    notice.replaceChildren(
      el("p", {},
        el("code", { text: name }), ` also exists in ${others.length > 1 ? "regions" : "region"} `,
        ...others.flatMap((region, i) => [i ? ", " : "", el("strong", { text: region })]), ". ",
        "This address names no region, so the page shows the one in region ", el("strong", { text: shown }), "."),
      regionLinks(regions));
    notice.hidden = false;
  } else if (!shown && regions.length > 1) {
    notice.replaceChildren(
      el("p", {}, el("code", { text: name }), " exists in several regions and this address names none: pick one."),
      regionLinks(regions));
    notice.hidden = false;
  }
} catch {
  // The page's own module reports a deployment it cannot load; the heading just names no region.
}
