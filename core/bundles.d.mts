export declare const REPO_ROOT: string;
export declare function bundleStem(entry: string): string;
export declare function freshBundle(entry: string): string | undefined;
