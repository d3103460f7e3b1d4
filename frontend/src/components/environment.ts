import type { EnvInfo } from "../api/types";

/** What to call this environment: preview PR N, permanent preview, production, ... */
export function environmentLabel(env: EnvInfo): string {
  switch (env.kind) {
    case "preview":
      return env.pr_number ? `Preview of PR #${env.pr_number}` : "Permanent preview";
    case "production":
      return "Production";
    case "test":
      return "Test";
    case "development":
      return "Development";
    default:
      return env.kind;
  }
}
