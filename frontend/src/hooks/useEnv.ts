import { useQuery } from "@tanstack/react-query";
import { useApi } from "../session/context";

const RETRY_MS = 5000;

/** Which environment this is (`GET /api/env`), loaded once and shared by every component. */
export function useEnv() {
  const api = useApi();
  return useQuery({
    queryKey: ["env"],
    queryFn: () => api.env(),
    // While the API is down, keep asking, so the banner clears itself when it is back.
    refetchInterval: (query) => (query.state.status === "error" ? RETRY_MS : false),
  });
}
