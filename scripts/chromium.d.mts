export function chromiumPath(): string;
export function chromiumArgs(extraFeatures?: string[]): string[];
