import { parseFaultCounters } from './admin';

describe('parseFaultCounters', () => {
  it('sums the fault counter per fault label and ignores other metrics', () => {
    const text = [
      '# HELP ordermesh_chaos_faults_injected_total Faults injected by the chaos toggles',
      '# TYPE ordermesh_chaos_faults_injected_total counter',
      'ordermesh_chaos_faults_injected_total{service="order",fault="handlerFailure"} 3',
      'ordermesh_chaos_faults_injected_total{fault="duplicateDelivery",service="order"} 2',
      'ordermesh_chaos_faults_injected_total{service="order",fault="handlerFailure",topic="x"} 1',
      'ordermesh_chaos_toggle{toggle="handlerFailureRate"} 0.05',
      'ordermesh_orders_placed_total 10',
    ].join('\n');
    expect(parseFaultCounters(text)).toEqual({ handlerFailure: 4, duplicateDelivery: 2 });
  });

  it('is empty when the service exports no chaos counters', () => {
    expect(parseFaultCounters('ordermesh_orders_placed_total 10\n')).toEqual({});
  });
});
