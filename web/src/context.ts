import { createContext, useContext } from "react";
import type { AppConfig } from "./config.js";

export const ConfigContext = createContext<AppConfig | undefined>(undefined);

/** The deployment the page was loaded for (`/config.json`). */
export function useAppConfig(): AppConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error("useAppConfig outside ConfigContext");
  return config;
}
