/** What time it is: every use case takes the time from one, so that tests can set it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
