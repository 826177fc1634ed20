/** How residents' addresses are shown back to them. */

/** "ending 678": enough for the resident to recognise, too little to leak. */
export function maskedNumber(e164: string): string {
  return `the number ending ${e164.slice(-3)}`;
}
