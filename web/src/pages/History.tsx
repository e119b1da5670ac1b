/** History page: the connected address's transfers, newest first, with their status. */
export function HistoryPage() {
  return (
    <section className="card">
      <h1>History</h1>
    </section>
  );
}
