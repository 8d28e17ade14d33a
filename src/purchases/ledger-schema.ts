// The ledger's schema, as numbered migrations (see ../database/migrate.ts). Amounts are `numeric` without
// a scale, so "100.00" comes back exactly as the vendor quoted it and months can be summed in SQL.
import type { Migration } from "../database/migrate.js";

export const ledgerMigrations: Migration[] = [
  {
    id: 1,
    name: "purchases and their status history",
    sql: `
CREATE TABLE purchases (
  reference              text PRIMARY KEY,
  channel                text NOT NULL CHECK (channel IN ('USSD', 'SMS')),
  session_id             text,
  phone                  text NOT NULL,
  recipient              text NOT NULL,
  product_type           text NOT NULL,
  product_name           text NOT NULL,
  subscriber_label       text NOT NULL,
  provider_code          text NOT NULL,
  subscriber_id          text NOT NULL,
  amount                 numeric NOT NULL,
  charge                 numeric NOT NULL,
  total                  numeric NOT NULL,
  currency               text NOT NULL,
  customer_name          text,
  vendor_quote_reference text,
  source_channel         text NOT NULL,
  status                 text NOT NULL
                         CHECK (status IN ('QUOTED', 'CONFIRMING', 'SUCCESSFUL', 'FAILED', 'UNKNOWN')),
  vendor_reference       text,
  token                  text,
  units                  text,
  failure_reason         text,
  needs_operator         boolean,
  notified               boolean,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL
);

-- Every status a purchase has had, in order: the audit trail of a dispute.
CREATE TABLE purchase_history (
  id         bigserial PRIMARY KEY,
  reference  text NOT NULL REFERENCES purchases (reference) ON DELETE CASCADE,
  status     text NOT NULL,
  at         timestamptz NOT NULL
);
CREATE INDEX purchase_history_by_reference ON purchase_history (reference, id);

-- One USSD session buys at most once, whatever replays or rebuilt sessions try: the database enforces it.
CREATE UNIQUE INDEX purchases_one_buy_per_session ON purchases (session_id)
  WHERE session_id IS NOT NULL AND status <> 'QUOTED';
CREATE INDEX purchases_by_session ON purchases (session_id, created_at) WHERE session_id IS NOT NULL;
-- By phone (disputes, "My last tokens"), by status, by day (reconciliation against the vendor).
CREATE INDEX purchases_by_phone ON purchases (phone, created_at);
CREATE INDEX purchases_by_recipient ON purchases (recipient, created_at);
CREATE INDEX purchases_by_status ON purchases (status, created_at);
CREATE INDEX purchases_by_day ON purchases (created_at);
-- What the recovery sweep reads: outcome unknown, or known and the customer not yet told.
CREATE INDEX purchases_needing_attention ON purchases (updated_at)
  WHERE status IN ('CONFIRMING', 'UNKNOWN')
     OR (status IN ('SUCCESSFUL', 'FAILED') AND notified IS NOT TRUE);
`,
  },
  {
    id: 2,
    name: "customer not reached by SMS",
    sql: `
ALTER TABLE purchases ADD COLUMN customer_not_reached boolean;
-- The operator's list of customers to reach: small, so a partial index.
CREATE INDEX purchases_customer_not_reached ON purchases (updated_at) WHERE customer_not_reached;
`,
  },
  {
    id: 3,
    name: "the vendor's and the utility's references; search by meter",
    sql: `
-- The vendor's operation id (ScratchPower id, Powershop transactionId) and the utility's own reference
-- (provider_transaction_identifier): what a dispute with either is settled by.
ALTER TABLE purchases ADD COLUMN vendor_transaction_id text;
ALTER TABLE purchases ADD COLUMN provider_reference text;
-- The operator's search by meter or account number.
CREATE INDEX purchases_by_subscriber ON purchases (subscriber_id, created_at);
`,
  },
];
