/**
 * `@safe-global/protocol-kit`'s `Safe` class. The package's type declarations are CommonJS
 * (`export default`) while Node loads its ESM build, so a default import means different things
 * to TypeScript (the module object) and to Node (the class). At run time the namespace's
 * `default` is the class; the cast tells TypeScript so.
 */
import * as protocolKit from "@safe-global/protocol-kit";

type SafeClass = (typeof protocolKit.default)["default"];
export const Safe = protocolKit.default as unknown as SafeClass;
export type Safe = InstanceType<SafeClass>;
export {
  EthSafeSignature,
  EthSafeTransaction,
  generateTypedData,
  type ContractNetworksConfig,
} from "@safe-global/protocol-kit";
