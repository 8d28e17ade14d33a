// The SMS port: one tiny class per gateway implements it.

export interface SmsMessage {
  /** Recipient as E.164 digits without `+` (e.g. `26771436390`). */
  to: string;
  text: string;
}

export interface SmsReceipt {
  /** Gateway's id for the message, used to match delivery reports. */
  messageId?: string;
}

export interface SmsSender {
  readonly name: string;
  /** Resolves once the gateway accepted the message; throws SmsSendError otherwise. */
  send(message: SmsMessage): Promise<SmsReceipt>;
}

export class SmsSendError extends Error {
  constructor(
    message: string,
    /** False when sending the same message again cannot succeed (e.g. invalid number). */
    readonly retryable: boolean,
    /** Sending again can only succeed from this time on (e.g. after a do-not-disturb window). */
    readonly notBefore?: Date,
  ) {
    super(message);
    this.name = "SmsSendError";
  }
}
