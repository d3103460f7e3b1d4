export const DOCUMENT_PATH: string;
export const TYPES_PATH: string;
export function generateApiTypes(documentJson: string): Promise<string>;
