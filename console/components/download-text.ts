/** A Blob URL is kept this long after its click: the browser reads it asynchronously to save the file. */
const BLOB_URL_LIFETIME_MILLISECONDS = 60_000;

/** Saves a text the page fetched with the operator's token (a plain link could not send it) as a file. */
export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), BLOB_URL_LIFETIME_MILLISECONDS);
}
