import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FindPaymentsHandler } from '../../application/find-payments/find-payments.handler';
import { FindPaymentsQuery, PaymentResponse } from './dto/payment.response';

@ApiTags('payments')
@Controller('payments')
export class PaymentsController {
  constructor(private readonly findPayments: FindPaymentsHandler) {}

  @Get()
  @ApiOkResponse({ type: [PaymentResponse] })
  async find(@Query() query: FindPaymentsQuery): Promise<PaymentResponse[]> {
    return (await this.findPayments.execute(query.orderId.toLowerCase())).map(PaymentResponse.from);
  }
}
