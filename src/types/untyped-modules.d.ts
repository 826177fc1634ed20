/** Types for the small parts of untyped packages this engine uses (nlp.js, MIT, axa-group; piexifjs, MIT). */
declare module '@nlpjs/nlp' {
  export interface NlpResult {
    intent: string;
    score: number;
    classifications?: Array<{ intent: string; score: number }>;
  }
  export class Nlp {
    constructor(settings: { languages: string[]; autoSave?: boolean; autoLoad?: boolean; forceNER?: boolean; nlu?: { log?: boolean } });
    use(plugin: unknown): void;
    addLanguage(locale: string): void;
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<void>;
    process(locale: string, utterance: string): Promise<NlpResult>;
    /** The trained model as JSON text; `import` on a container set up the same way restores it. */
    export(minified?: boolean): string;
    import(data: string): void;
  }
}
declare module '@nlpjs/lang-en-min' {
  export const LangEn: unknown;
}

/** piexifjs (MIT): EXIF in JPEGs, as binary ("latin1") strings. */
declare module 'piexifjs' {
  export const GPSIFD: Record<string, number>;
  export const GPSHelper: { degToDmsRational(degrees: number): number[][] };
  export function dump(exif: Record<string, Record<number, unknown>>): string;
  export function insert(exif: string, jpeg: string): string;
  export function remove(jpeg: string): string;
}
