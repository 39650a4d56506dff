/** An ISO 4217 currency and its minor-unit exponent (the number of decimals an amount may carry). */
export interface Currency {
  readonly code: string;
  readonly exponent: number;
}

/**
 * The ISO 4217 currencies a customer pays in (list 1 of the standard), grouped by minor-unit exponent. Only
 * legal tender: funds and units of account (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), precious metals
 * (XAU, XAG, XPD, XPT), SDRs and other supranational units (XDR, XSU, XUA, XB…), the testing code XTS and
 * "no currency" XXX are not payable and are left out.
 */
const CODES_BY_EXPONENT: Readonly<Record<number, string>> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF',
  2: `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
      CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD
      HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT
      MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR
      SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU
      UZS VED VES WST XCD XCG YER ZAR ZMW ZWG`,
  3: 'BHD IQD JOD KWD LYD OMR TND',
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
