export const balanceKey = (accountId: string) => `balance:${accountId}`;
export const summaryKey = (customerId: string) => `summary:${customerId}`;
