// @vitest-environment node
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DOCUMENT_PATH, generateApiTypes } from "./api-types.mjs";

interface Document {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

describe("the API types generated from the committed OpenAPI document", () => {
  it("declare every path and every schema of the document", async () => {
    const text = await readFile(DOCUMENT_PATH, "utf-8");
    const document = JSON.parse(text) as Document;
    const types: string = await generateApiTypes(text);

    for (const path of Object.keys(document.paths)) {
      expect(types).toContain(`"${path}": {`);
    }
    for (const schema of Object.keys(document.components.schemas)) {
      expect(types).toMatch(new RegExp(`\\n {8}${schema}: `));
    }
  });

  it("are the same text for the same document", async () => {
    const text = await readFile(DOCUMENT_PATH, "utf-8");

    expect(await generateApiTypes(text)).toBe(await generateApiTypes(text));
  });
});
