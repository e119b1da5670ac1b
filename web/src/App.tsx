import { Connect } from "./components/Connect.js";
import { BridgePage } from "./pages/Bridge.js";
import { HistoryPage } from "./pages/History.js";
import { MessagePage } from "./pages/Message.js";
import { Link, usePath } from "./router.js";
import { useAppConfig } from "./context.js";

export function App() {
  const path = usePath();
  const { manifest } = useAppConfig();
  const messageRef = /^\/message\/?(.*)$/.exec(path);
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          Portcullis
        </Link>
        <span className="network">{manifest.network}</span>
        <nav>
          <Link to="/" aria-current={path === "/" ? "page" : undefined}>
            Bridge
          </Link>
          <Link to="/history" aria-current={path === "/history" ? "page" : undefined}>
            History
          </Link>
          <Link to="/message" aria-current={messageRef ? "page" : undefined}>
            Find a transfer
          </Link>
        </nav>
        <Connect />
      </header>
      <main className="page">
        {path === "/history" ? (
          <HistoryPage />
        ) : messageRef ? (
          <MessagePage reference={decodeURIComponent(messageRef[1] ?? "")} />
        ) : path === "/" ? (
          <BridgePage />
        ) : (
          <p className="problem">
            There is no page at {path}. <Link to="/">Go to the bridge.</Link>
          </p>
        )}
      </main>
    </>
  );
}
