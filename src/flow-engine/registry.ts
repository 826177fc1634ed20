/**
 * The explicit list of flows this engine runs. Adding a flow = one import and one entry.
 * Flow ids are part of the contract (CONTRACT.md §8).
 */
import { MAIN_FLOW_ID, type FlowDefinition } from '../domain/flow';
import { campingPermitFlow } from '../../flows/camping-permit';
import { cancelPermitFlow } from '../../flows/cancel-permit';
import { caseStatusFlow } from '../../flows/case-status';
import { faqFlow } from '../../flows/faq';
import { reportIssueFlow } from '../../flows/report-issue';
import { welcomeFlow } from '../../flows/welcome';

export { MAIN_FLOW_ID };

export class FlowRegistry {
  private readonly flows = new Map<string, FlowDefinition>();

  constructor(definitions: FlowDefinition[]) {
    for (const flow of definitions) {
      if (this.flows.has(flow.id)) throw new Error(`flow ${flow.id} is registered twice`);
      if (!flow.steps[flow.start]) throw new Error(`flow ${flow.id} has no start step ${flow.start}`);
      this.flows.set(flow.id, flow);
    }
    if (!this.flows.has(MAIN_FLOW_ID)) throw new Error(`the ${MAIN_FLOW_ID} flow is required`);
  }

  get(id: string): FlowDefinition | undefined {
    return this.flows.get(id);
  }

  ids(): string[] {
    return [...this.flows.keys()];
  }

  /** The flows a council has switched on (the main menu always): unknown ids are an error. */
  only(ids: string[]): FlowRegistry {
    const unknown = ids.filter((id) => !this.flows.has(id));
    if (unknown.length) throw new Error(`unknown flow ${unknown.join(', ')} (flows: ${this.ids().join(', ')})`);
    return new FlowRegistry([...this.flows.values()].filter((f) => f.id === MAIN_FLOW_ID || ids.includes(f.id)));
  }

  /** Each flow's example utterances, for training the NLU. */
  examples(): Record<string, string[]> {
    return Object.fromEntries([...this.flows.values()].filter((f) => f.examples?.length).map((f) => [f.id, f.examples!]));
  }

  /** The flow whose trigger words match: a decisive one first, then in registration order. */
  triggered(text: string): { flowId: string; decisive: boolean } | undefined {
    const matching = [...this.flows.values()].filter((f) => f.triggers?.words.test(text));
    const chosen = matching.find((f) => f.triggers!.decisive) ?? matching[0];
    return chosen ? { flowId: chosen.id, decisive: Boolean(chosen.triggers!.decisive) } : undefined;
  }

  /** Flows offered in the main menu, in registration order. */
  menu(): Array<{ flowId: string; label: string }> {
    return [...this.flows.values()].filter((f) => f.menuLabel).map((f) => ({ flowId: f.id, label: f.menuLabel! }));
  }
}

export function defaultFlowRegistry(): FlowRegistry {
  // Cancelling comes before case-status: "cancel permit CP-123456" names a reference too.
  return new FlowRegistry([welcomeFlow, campingPermitFlow, faqFlow, reportIssueFlow, cancelPermitFlow, caseStatusFlow]);
}
