import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App } from "./App.js";
import { loadConfig } from "./config.js";
import { ConfigContext } from "./context.js";
import { wagmiConfigFor } from "./wagmi.js";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

try {
  const config = await loadConfig();
  const wagmi = wagmiConfigFor(config.manifest.chains);
  const queries = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false, retry: 1 } } });
  root.render(
    <StrictMode>
      <ConfigContext.Provider value={config}>
        <WagmiProvider config={wagmi}>
          <QueryClientProvider client={queries}>
            <App />
          </QueryClientProvider>
        </WagmiProvider>
      </ConfigContext.Provider>
    </StrictMode>,
  );
} catch (e) {
  root.render(
    <main className="page">
      <p className="problem" role="alert">
        {(e as Error).message}
      </p>
    </main>,
  );
}
