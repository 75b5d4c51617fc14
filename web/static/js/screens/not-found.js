// An address inside the app that does not exist.
import { h, link, screen } from "../dom.js";

export function render() {
  return screen("Page not found", h("p", {}, "There is nothing at this address. ", link("#/", "Go to the start page"), "."));
}
