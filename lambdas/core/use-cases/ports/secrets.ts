/**
 * Seals a merchant's secret for storage (envelope encryption bound to the merchant id); its opener is a port of
 * its own, so a function that only stores secrets cannot read them back, and the reverse.
 */
export interface SecretSealer {
  seal(plaintext: string, merchantId: string): Promise<string>;
}

export interface SecretOpener {
  /** Throws when the sealed value was not sealed for this merchant or has been tampered with. */
  open(sealed: string, merchantId: string): Promise<string>;
}
