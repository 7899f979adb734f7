import { Body, Controller, Delete, Get, HttpCode, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from './admin-token.guard';
import { ChaosTogglesPatch } from './chaos.dto';
import { ChaosService, ChaosView } from './chaos.service';

/** Fault injection toggles; exists only when CHAOS_ENABLED=true. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/chaos')
export class ChaosController {
  constructor(private readonly chaos: ChaosService) {}

  @Get()
  @ApiOkResponse({ description: 'Current toggles, defaults and the toggles this service supports' })
  get(): ChaosView {
    return this.chaos.view();
  }

  @Put()
  @HttpCode(200)
  @ApiOkResponse({ description: 'The toggles after merging the body into them' })
  update(@Body() patch: ChaosTogglesPatch): ChaosView {
    return this.chaos.update(patch);
  }

  @Delete()
  @HttpCode(200)
  @ApiOkResponse({ description: 'Every toggle back to its default (and the PRNG re-seeded)' })
  reset(): ChaosView {
    return this.chaos.reset();
  }
}
