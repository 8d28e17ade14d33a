// Products for the machine's own tests: one provider with a token, several providers with a phone subscriber
// and no token.
import type { Product } from "../../machines/purchase/rules.js";

export const electricity: Product = {
  type: "ELECTRICITY",
  name: "Electricity",
  subscriberLabel: "Meter number",
  subscriberMinLength: 11,
  subscriberMaxLength: 11,
  subscriberPattern: "\\d{11}",
  subscriberHint: "11 digits",
  providers: [{ code: "P1", name: "Power Co" }],
  issuesToken: true,
  subscriberIsPhone: false,
};
// Several providers, the subscriber a phone ("my number" or another), no token.
export const airtime: Product = {
  type: "AIRTIME",
  name: "Airtime",
  subscriberLabel: "Phone number",
  subscriberMinLength: 11,
  subscriberMaxLength: 11,
  subscriberPattern: "2677\\d{7}",
  subscriberHint: "",
  providers: [
    { code: "A", name: "Net A" },
    { code: "B", name: "Net B" },
  ],
  issuesToken: false,
  subscriberIsPhone: true,
};
