import type { Download } from "../api/client";

/** Hand a downloaded file to the browser, as a link with `download` would. */
export function saveFile({ blob, filename }: Download): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has the blob once the download starts; free it a little later.
  window.setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}
