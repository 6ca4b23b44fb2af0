/**
 * The messaging subgraph's rules, authorization and transactions, one file per
 * area: conversations (reads, and each side's read/archive/report), send
 * (sendMessage and message.created), live (the messageAdded subscription),
 * inbox (SYSTEM messages from consumed events), reports (filing, and the
 * admins' moderation queue). Every method that needs a
 * person takes the `Viewer` as present (resolvers.ts refuses guests with `authed`).
 */
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { ConversationService } from './conversations.ts';
import { InboxService } from './inbox.ts';
import { LiveService } from './live.ts';
import { ReportService } from './reports.ts';
import { SendService } from './send.ts';

export { sideOf } from './access.ts';

/** How a SYSTEM message's sender is shown. */
export const SYSTEM_SENDER_NAME = 'Marketplace';

export class MessagingService {
  readonly conversations: ConversationService;
  readonly messages: SendService;
  readonly live: LiveService;
  readonly inbox: InboxService;
  readonly reports: ReportService;

  constructor(deps: SubgraphDeps) {
    this.conversations = new ConversationService(deps);
    this.messages = new SendService(deps);
    this.live = new LiveService(deps);
    this.inbox = new InboxService(deps);
    this.reports = new ReportService(deps);
  }
}
