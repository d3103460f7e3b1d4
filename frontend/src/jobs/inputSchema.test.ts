import { describe, expect, it } from "vitest";
import { buildInput, initialValues, inputFields } from "./inputSchema";

const schema = {
  type: "object",
  required: ["to", "count"],
  properties: {
    to: { type: "string", title: "To", maxLength: 254, description: "recipient address" },
    body: { type: "string", title: "Body", maxLength: 20000 },
    count: { type: "integer", title: "Count", minimum: 1, maximum: 5, default: 2 },
    ratio: { type: "number", title: "Ratio" },
    urgent: { type: "boolean", title: "Urgent", default: true },
    level: { enum: ["low", "high"], title: "Level" },
    extra: { type: "object", title: "Extra", default: { a: 1 } },
  },
};

describe("job input forms from JSON schema", () => {
  it("picks a control per property type", () => {
    const fields = inputFields(schema);

    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ["to", "text", true],
      ["body", "textarea", false],
      ["count", "integer", true],
      ["ratio", "number", false],
      ["urgent", "boolean", false],
      ["level", "select", false],
      ["extra", "json", false],
    ]);
    expect(fields[2]).toMatchObject({ label: "Count", minimum: 1, maximum: 5 });
    expect(fields[5]?.options).toEqual(["low", "high"]);
    expect(initialValues(fields)).toEqual({
      to: "",
      body: "",
      count: "2",
      ratio: "",
      urgent: true,
      level: "",
      extra: '{"a":1}',
    });
  });

  it("turns the form's strings into typed input and leaves out empty optional fields", () => {
    const fields = inputFields(schema);
    const values = { ...initialValues(fields), to: "a@b.co", ratio: "0.5", extra: '{"b":2}' };

    expect(buildInput(fields, values)).toEqual({
      input: { to: "a@b.co", count: 2, ratio: 0.5, urgent: true, extra: { b: 2 } },
      errors: {},
    });
  });

  it("names the fields it cannot convert", () => {
    const fields = inputFields(schema);
    const values = { ...initialValues(fields), count: "two", ratio: "x", extra: "{" };

    expect(buildInput(fields, values).errors).toEqual({
      count: "Enter a whole number.",
      ratio: "Enter a number.",
      extra: "Enter valid JSON.",
    });
  });

  it("sends required text even when empty, so the API names it", () => {
    const fields = inputFields(schema);

    expect(buildInput(fields, initialValues(fields)).input).toHaveProperty("to", "");
  });

  it("handles a job without input", () => {
    expect(inputFields({ type: "object", properties: {} })).toEqual([]);
    expect(buildInput([], {})).toEqual({ input: {}, errors: {} });
  });
});
