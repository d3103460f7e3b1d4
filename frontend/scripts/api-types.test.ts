// @vitest-environment node
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DOCUMENT_PATH, TYPES_PATH, generateApiTypes } from "./api-types.mjs";

describe("the generated API types", () => {
  it("match the committed OpenAPI document (run `make openapi` if not)", async () => {
    const document = await readFile(DOCUMENT_PATH, "utf-8");
    const committed = await readFile(TYPES_PATH, "utf-8");

    expect(committed).toBe(await generateApiTypes(document));
  });
});
