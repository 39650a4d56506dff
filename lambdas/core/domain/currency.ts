/** An ISO 4217 currency and its minor-unit exponent (the number of decimals an amount may carry). */
export interface Currency {
  readonly code: string;
  readonly exponent: number;
}

/**
 * Active ISO 4217 codes grouped by minor-unit exponent (list 1 of the standard). Codes without a minor
 * unit (precious metals, XDR, XXX…) are not payable and are left out.
 */
const CODES_BY_EXPONENT: Readonly<Record<number, string>> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2: `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF
      CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD
      HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT
      MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR
      SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU
      UZS VED VES WST XCD XCG YER ZAR ZMW ZWG`,
  3: 'BHD IQD JOD KWD LYD OMR TND',
  4: 'CLF UYW',
};

const CURRENCIES: ReadonlyMap<string, Currency> = new Map(
  Object.entries(CODES_BY_EXPONENT).flatMap(([exponent, codes]) =>
    codes
      .split(/\s+/)
      .filter(Boolean)
      .map((code) => [code, { code, exponent: Number(exponent) }] as const),
  ),
);

export const SUPPORTED_CURRENCIES: readonly Currency[] = [...CURRENCIES.values()];

export function findCurrency(code: string): Currency | undefined {
  return CURRENCIES.get(code);
}
