// Thread: any (a constant and a type).
/** The store name under which admin-made records (adjustments) are kept: not a valid store id (it has a space). */
export const ADMIN_RECORD_STORE = "admin records";

/** Where an operation's own record is kept: in the receipts' key space, under a store and a record id. */
export interface RecordAddress {
  readonly store: string;
  readonly recordId: string;
}
